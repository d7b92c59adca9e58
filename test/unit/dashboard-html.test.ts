// The dashboard's building blocks without a server: the escaping template, the `login` grammar, configuration.
import { describe, expect, it } from 'vitest';
import { concatHtml, escapeHtml, html, SafeHtml } from '../../bot/dashboard/html.js';
import { dashboardSettingsOf } from '../../bot/dashboard/settings.schema.js';
import { loadEnv } from '../../bot/config/load.js';
import { secretValues } from '../../bot/config/env.js';
import { parseCommand } from '../../bot/core/grammar.js';
import { parseTenantsYaml } from '../../bot/config/load.js';

describe('dashboard html', () => {
  it('escapes every interpolated value, keeps SafeHtml built by the template, joins arrays', () => {
    const typed = `<script>alert("x")</script>'&\``;
    expect(escapeHtml(typed)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;&#96;');
    const inner = html`<b>${typed}</b>`;
    expect(html`<p title="${typed}">${inner}${[html`<i>1</i>`, '<u>']}${undefined}${false}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;&#96;"><b>&lt;script&gt;alert(&quot;' +
        'x&quot;)&lt;/script&gt;&#39;&amp;&#96;</b><i>1</i>&lt;u&gt;</p>',
    );
    expect(html`${{ toString: () => '<x>' }}`.value).toBe('&lt;x&gt;');
    expect(new SafeHtml('<ok>').toString()).toBe('<ok>');
  });

  it('markup cut over several source lines joins back byte for byte, its values still escaped', () => {
    const name = '<Bob & "Co">';
    const cut = concatHtml(html`<p class="who">Signed in as `, html`${name}, `, html`welcome.</p>`);
    expect(cut.value).toBe(html`<p class="who">Signed in as ${name}, welcome.</p>`.value);
    expect(cut.value).toBe('<p class="who">Signed in as &lt;Bob &amp; &quot;Co&quot;&gt;, welcome.</p>');
    expect(html`<div>${cut}</div>`.value).toBe(`<div>${cut.value}</div>`);
    expect(concatHtml().value).toBe('');
  });
});

describe('login command and dashboard configuration', () => {
  it('login parses alone and refuses arguments (no way to ask a link for someone else)', () => {
    expect(parseCommand('login')).toEqual({ ok: true, command: { name: 'login' } });
    expect(parseCommand('/void login bob')).toMatchObject({
      ok: false,
      refusal: { code: 'command.unparsable', params: { error: 'login takes no arguments', commandName: 'login' } },
    });
  });

  it('OIDC client secrets are secrets (scrubbed from logs) and a malformed value is refused at start', () => {
    const env = loadEnv({ VOID_OIDC_CLIENT_SECRETS: JSON.stringify({ 'acme-okta': 'oidc-secret-value-1234' }) });
    expect(secretValues(env)).toContain('oidc-secret-value-1234');
    expect(() => loadEnv({ VOID_OIDC_CLIENT_SECRETS: 'not json' })).toThrow(
      /VOID_OIDC_CLIENT_SECRETS: expected a JSON object/,
    );
    expect(() => loadEnv({ VOID_OIDC_CLIENT_SECRETS: 'not json' })).not.toThrow(/not json/);
  });

  it("a tenant's dashboard section is validated at load, with its path", () => {
    const yaml = (oidc: string) =>
      `version: 1\ntenants:\n  - id: acme\n    name: Acme\n    dashboard:\n      oidc: ${oidc}\n`;
    const [tenant] = parseTenantsYaml(
      yaml('{ issuer: "https://acme.okta.com", clientId: c1, clientSecretRef: acme-okta }'),
      't.yaml',
    );
    expect(dashboardSettingsOf(tenant!).oidc).toMatchObject({
      issuer: 'https://acme.okta.com',
      match: 'email',
      scopes: ['openid', 'email', 'profile'],
    });
    expect(() =>
      parseTenantsYaml(yaml('{ issuer: "not a url", clientId: c1, clientSecretRef: "has spaces" }'), 't.yaml'),
    ).toThrow(/tenants\[0\]\.dashboard\.oidc\.issuer[\s\S]*tenants\[0\]\.dashboard\.oidc\.clientSecretRef/);
  });
});
