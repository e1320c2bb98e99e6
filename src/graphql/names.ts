// Model field names (snake_case) as GraphQL argument names, the way graphene camel-cases them.

export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_match, char: string) => char.toUpperCase());
}
