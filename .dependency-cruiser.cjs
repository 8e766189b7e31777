/**
 * Import rules of the layout (README "Project layout"), checked by `npm run lint`.
 * A path says where its code runs: src/room and src/inbox only inside their Durable
 * Objects, src/web only in the browser, the rest in the Worker; src/domain and
 * src/protocol are shared by all of them.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycles, type-only imports included.",
      from: {},
      to: { circular: true },
    },
    {
      name: "domain-is-a-leaf",
      severity: "error",
      comment: "src/domain (types, error codes, lifecycle rules) imports nothing else in src/.",
      from: { path: "^src/domain/" },
      to: { path: "^src/", pathNot: "^src/domain/" },
    },
    {
      name: "protocol-is-pure",
      severity: "error",
      comment: "src/protocol is shared by the Worker, the objects and the browser: domain only.",
      from: { path: "^src/protocol/" },
      to: { path: "^src/", pathNot: "^src/(protocol|domain)/" },
    },
    {
      name: "worker-reaches-objects-through-clients",
      severity: "error",
      comment:
        "Worker code talks to a Durable Object by RPC through its typed client (chat/room-client.ts, " +
        "live/inbox-client.ts); nothing else in the Worker imports object code. Clients type their " +
        "stubs from the generated Env (Env['ROOM']), so they need no import of the object either.",
      from: {
        path: "^src/(app\\.ts|auth|chat|consultations|http|cron|live|attachments|events)(/|$)",
        pathNot: "^src/(chat/room|live/inbox)-client\\.ts$",
      },
      to: { path: "^src/(room|inbox)/" },
    },
    {
      name: "typed-clients-import-only-the-object-class",
      severity: "error",
      comment:
        "A typed client may import its object's module, for `import type` of the class (swc, see " +
        "options, does not tell type-only imports apart; verbatimModuleSyntax keeps them `import type`).",
      from: { path: "^src/(chat/room|live/inbox)-client\\.ts$" },
      to: { path: "^src/(room|inbox)/", pathNot: "^src/(room|inbox)/[a-z-]+-object\\.ts$" },
    },
    {
      name: "adapters-only-from-the-composition-root",
      severity: "error",
      comment: "Only src/config/services.ts picks adapters; everything else imports a store's port.ts.",
      from: { path: "^src/", pathNot: ["^src/config/services\\.ts$", "^src/stores/"] },
      to: { path: "^src/stores/[^/]+/", pathNot: "^src/stores/[^/]+/port\\.ts$" },
    },
    {
      name: "web-imports-only-shared-code",
      severity: "error",
      comment: "The browser app imports only src/protocol and src/domain from outside src/web.",
      from: { path: "^src/web/" },
      to: { path: "^src/", pathNot: "^src/(web|protocol|domain)/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // TypeScript 7 has no JS compiler API; swc parses the sources (type-only imports included).
    parser: "swc",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // Platform modules resolved by workerd at run time.
    // swc parses as TypeScript without JSX: the app's .tsx files are checked by
    // scripts/check-web-bundle.ts instead (the bundle's inputs, same rule as below).
    exclude: { path: ["^node_modules/", "\\.tsx$"] },
    builtInModules: { add: ["cloudflare:workers", "cloudflare:test"] },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
