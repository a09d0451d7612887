// @ts-check
/**
 * The layers, bottom to top (docs/architecture.md):
 *
 *   contract/                      wire types shared with the screen
 *   base/                          logger, fault points, HTTP helper, errors: no kiosk knowledge
 *   ports/                         what the core and the adapters agree on (outbox targets, terminal)
 *   db/  devices/  integrations/   side by side: storage, hardware, other systems
 *   config/                        the kiosk's configuration, composed from each part's schema
 *   core/                          the kiosk's behaviour: checkout, session, staff, recovery…
 *   app/                           opening and closing the parts: boot, doctor, cli, peers
 *   shells/                        Electron, browser mode, and what both serve to the screen
 *   renderer/                      the screen: contract/ only
 *
 * A file may import its own layer and the layers below it, never above, and never the insides of
 * a sibling (a device another device's files, db an integration's). `npm run lint` runs this.
 */
const ORDER = ['contract', 'base', 'ports', 'db|devices|integrations', 'config', 'core', 'app', 'shells'];
const ALL = [
  'contract',
  'base',
  'ports',
  'db',
  'devices',
  'integrations',
  'config',
  'core',
  'app',
  'shells',
  'renderer',
];

/** For each layer: everything above it, and its siblings on the same level. */
const upward = ORDER.map((level, i) => {
  const own = level.split('|');
  const allowed = new Set([...ORDER.slice(0, i + 1).flatMap((l) => l.split('|'))]);
  return own.map((name) => ({
    name: `layer-${name}`,
    comment: `${name}/ may import only ${[...allowed].filter((l) => !own.includes(l) || l === name).join(', ')} (the layers below it and itself)`,
    severity: /** @type {const} */ ('error'),
    from: { path: `^${name}/` },
    to: { path: `^(${ALL.filter((l) => l !== name && (!allowed.has(l) || own.includes(l))).join('|')})/` },
  }));
}).flat();

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'renderer-contract-only',
      comment: 'The renderer is untrusted UI: it reaches the core only through contract/.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: `^(${ALL.filter((l) => l !== 'renderer' && l !== 'contract').join('|')})/` },
    },
    {
      name: 'renderer-no-node',
      comment: 'The renderer has no Node access.',
      severity: 'error',
      from: { path: '^renderer/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'sql-only-in-db',
      comment: 'All SQL lives in db/, behind named methods; the rest of the kiosk never opens SQLite itself.',
      severity: 'error',
      from: { pathNot: '^db/' },
      to: { path: 'node_modules/better-sqlite3/' },
    },
    {
      name: 'contract-no-node',
      comment: 'contract/ is loaded by the screen too: platform-neutral, no Node.',
      severity: 'error',
      from: { path: '^contract/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-sibling-insides',
      comment: 'A device or integration never reaches into another one: shared code goes to base/ or ports/.',
      severity: 'error',
      from: { path: '^(devices|integrations)/([^/]+)/' },
      to: { path: '^$1/[^/]+/', pathNot: '^$1/$2/' },
    },
    {
      name: 'no-circular',
      comment: 'Modules that import each other cannot be read, tested or loaded lazily one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|renderer/dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.node.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
