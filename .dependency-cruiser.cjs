// The import rules of ARCHITECTURE.md ("Who owns what"), checked by `npm run lint` (`npm run deps`): arrows point
// down, no cycles. bot/core/ is the kernel and imports nothing of ours but itself; integrations/, agents/,
// approvals/ and audit/ import bot/core/ (approvals may import audit/) and never bot/ outside the core or each other.
// The composition root (bot/composition.ts, the list of modules and their wiring) sits at the top: only the entry
// point imports it. There is no baseline of tolerated violations: any violation fails the check.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Import cycles make set-up order matter and layers meaningless.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'bot/core/ is the kernel: it imports nothing of ours but itself.',
      from: { path: '^bot/core/' },
      to: { path: '^(bot/(?!core/)|integrations/|agents/|approvals/|audit/)' },
    },
    {
      name: 'lower-layers-import-only-core-of-bot',
      severity: 'error',
      comment: 'integrations/, agents/, approvals/ and audit/ may import bot/core/, never the application in bot/.',
      from: { path: '^(integrations|agents|approvals|audit)/' },
      to: { path: '^bot/(?!core/)' },
    },
    {
      name: 'integrations-not-siblings',
      severity: 'error',
      from: { path: '^integrations/' },
      to: { path: '^(agents|approvals|audit)/' },
    },
    {
      name: 'agents-not-siblings',
      severity: 'error',
      from: { path: '^agents/' },
      to: { path: '^(integrations|approvals|audit)/' },
    },
    {
      name: 'approvals-only-audit',
      severity: 'error',
      from: { path: '^approvals/' },
      to: { path: '^(integrations|agents)/' },
    },
    {
      name: 'audit-not-siblings',
      severity: 'error',
      from: { path: '^audit/' },
      to: { path: '^(integrations|agents|approvals)/' },
    },
    {
      name: 'composition-root-at-the-top',
      severity: 'error',
      comment: 'The composition root (the list of modules) is imported by the entry point only.',
      from: { path: '^(bot|integrations|agents|approvals|audit)/', pathNot: '^bot/cli/main\\.ts$' },
      to: { path: '^bot/composition\\.ts$' },
    },
    {
      name: 'no-tests-in-production',
      severity: 'error',
      comment: 'Test-only code lives under test/.',
      from: { path: '^(bot|integrations|agents|approvals|audit)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
