// The documentation site (VitePress, docs/decisions.md "The documentation site"): `npm run docs` builds docs/.vitepress/dist.
import { defineConfig } from 'vitepress';

export default defineConfig({
  title: 'upstart-ts',
  description: "An event-based init daemon and service supervisor that speaks Upstart's job language",
  lang: 'en-GB',
  cleanUrls: false,
  lastUpdated: false,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  // Links between pages are checked at build time: a dead one fails `npm run docs`.
  ignoreDeadLinks: false,
  themeConfig: {
    // MiniSearch index built into the site: search works offline, with no service behind it.
    search: { provider: 'local' },
    nav: [
      { text: 'Guide', link: '/guide/install' },
      { text: 'Reference', link: '/job-language' },
      { text: 'Migrating', link: '/migrate/upstart' },
      { text: 'Design', link: '/design' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Install', link: '/guide/install' },
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'Cookbook', link: '/guide/cookbook' },
          { text: 'Logging', link: '/logging' },
          { text: 'Containers', link: '/containers' },
          { text: 'A machine\'s init', link: '/machine' },
          { text: 'SysV init scripts', link: '/sysv' },
          { text: 'Debian packages', link: '/debian' },
          { text: 'Custom actions', link: '/actions' },
          { text: 'Upgrading init in place', link: '/reexec' },
          { text: 'Readiness and the watchdog', link: '/readiness' },
          { text: 'The socket bridge', link: '/socket-bridge' },
          { text: 'The netlink bridge', link: '/netlink-bridge' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Job language (init(5))', link: '/job-language' },
          { text: 'initctl(8)', link: '/reference/initctl' },
          { text: 'upstart(8)', link: '/reference/upstart' },
          { text: 'init-checkconf(8)', link: '/reference/init-checkconf' },
          { text: 'Events (upstart-events(7))', link: '/reference/events' },
          { text: 'Control protocol', link: '/protocol' },
        ],
      },
      {
        text: 'Migrating',
        items: [
          { text: 'From Upstart', link: '/migrate/upstart' },
          { text: 'From systemd units', link: '/migrate/systemd' },
          { text: 'From supervisord or PM2', link: '/migrate/supervisord-pm2' },
          { text: 'From tini or s6', link: '/migrate/tini-s6' },
        ],
      },
      {
        text: 'Design',
        items: [
          { text: 'Design', link: '/design' },
          { text: 'Engine semantics', link: '/semantics' },
          { text: 'Performance', link: '/performance' },
          { text: 'Decisions', link: '/decisions' },
        ],
      },
    ],
    footer: { message: 'MIT licensed.' },
  },
});
