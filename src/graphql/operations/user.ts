import { getVisibleUser } from "../../accounts/users.js";
import type { Builder } from "../builder.js";
import { PublicGraphQLError } from "../errors.js";
import { fromGlobalId, USER_NODE, type UserNodeRef } from "../types/user.js";

export function defineUserQuery(builder: Builder, userNode: UserNodeRef): void {
  builder.queryField("user", (t) =>
    t.field({
      type: userNode,
      nullable: true,
      description: "A user by relay global id; null when unknown or not visible to the caller",
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx, info) => {
        const decoded = fromGlobalId(args.id);
        if (decoded === undefined) return null;
        if (decoded.typeName !== USER_NODE) {
          // The reference (graphene's Node.get_node_from_global_id) asserts the type whenever the
          // id names any type of the schema; introspection types have no graphene type, so null.
          const named = info.schema.getType(decoded.typeName);
          if (named !== undefined && !named.name.startsWith("__")) {
            throw new PublicGraphQLError(`Must receive a ${USER_NODE} id.`);
          }
          return null;
        }
        if (!/^\d{1,15}$/.test(decoded.id)) return null;
        return (await getVisibleUser(ctx.deps, ctx.viewer, Number(decoded.id))) ?? null;
      },
    }),
  );
}
