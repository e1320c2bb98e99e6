import type { Builder } from "../builder.js";
import type { UserNodeRef } from "../types/user.js";

export function defineMeQuery(builder: Builder, userNode: UserNodeRef): void {
  builder.queryField("me", (t) =>
    t.field({
      type: userNode,
      nullable: true,
      description: "The authenticated user, or null for an anonymous caller",
      resolve: (_root, _args, ctx) => ctx.viewer ?? null,
    }),
  );
}
