import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { parseConfig } from '../../config/config.js';
import { tempDir } from '../support/fixtures.js';

/**
 * The example Ansible role (deploy/ansible/) checked by Ansible itself (Debian's `ansible`):
 * the playbook parses (`--syntax-check`), `ansible-lint` finds nothing in it, and the kiosk's
 * configuration it writes from each branch's settings — rendered by Ansible's own templating —
 * by its own tasks is one the kiosk accepts, once the secrets the role sets through
 * `kiosk config set` are in.
 */
const DIR = fileURLToPath(new URL('../../deploy/ansible/', import.meta.url));

function run(command: string, args: readonly string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd: DIR,
    encoding: 'utf8',
    env: {
      ...process.env,
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_LOCAL_TEMP: '/tmp',
      ANSIBLE_HOME: '/tmp/ansible-home',
      ...env,
    },
    timeout: 180_000,
  });
  if (result.error)
    throw new Error(`${command} is needed (apt-get install ansible ansible-lint): ${result.error.message}`);
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

describe('the example Ansible role', () => {
  it('parses, and ansible-lint finds nothing', () => {
    const syntax = run('ansible-playbook', ['--syntax-check', '-i', 'inventory.example.yml', 'kiosk.yml']);
    expect(syntax.output).toContain('playbook: kiosk.yml');
    expect(syntax.ok).toBe(true);
    const lint = run('ansible-lint', ['--offline', 'kiosk.yml']);
    expect({ ok: lint.ok, output: lint.ok ? '' : lint.output }).toEqual({ ok: true, output: '' });
  });

  it('writes, for each branch, a configuration the kiosk accepts', () => {
    const inventory = yaml.load(readFileSync(join(DIR, 'inventory.example.yml'), 'utf8')) as {
      library_kiosks: { hosts: Record<string, Record<string, string>> };
    };
    const dir = tempDir('kiosk-ansible-');
    try {
      for (const host of Object.keys(inventory.library_kiosks.hosts)) {
        const out = join(dir.path, `${host}.json`);
        // The role's own configuration tasks (its defaults, the host's inventory variables), run
        // on this machine into a temporary folder.
        const playbook = join(dir.path, 'render.yml');
        writeFileSync(
          playbook,
          yaml.dump([
            {
              hosts: host,
              connection: 'local',
              gather_facts: false,
              tasks: [
                { name: 'render', 'ansible.builtin.include_role': { name: 'library_kiosk', tasks_from: 'config.yml' } },
              ],
            },
          ]),
        );
        const local = {
          kiosk_user: userInfo().username,
          kiosk_config_dir: dir.path,
          kiosk_data_dir: join(dir.path, 'data'),
          kiosk_config_file: out,
        };
        const rendered = run(
          'ansible-playbook',
          ['-i', join(DIR, 'inventory.example.yml'), '-e', JSON.stringify(local), playbook],
          { ANSIBLE_ROLES_PATH: join(DIR, 'roles') },
        );
        expect({ host, ok: rendered.ok, output: rendered.ok ? '' : rendered.output }).toEqual({
          host,
          ok: true,
          output: '',
        });
        const written = JSON.parse(readFileSync(out, 'utf8')) as Record<string, Record<string, unknown>>;
        expect(JSON.stringify(written)).not.toMatch(/change-me|246813579/u);
        // What `kiosk config set` adds from the vault.
        written.fbs!.password = 'x';
        written.oeir!.certificatePassword = 'x';
        written.terminal!.passphrase = 'x';
        written.ops!.bearerToken = 'x';
        const config = parseConfig(written);
        expect(config).toMatchObject({
          mode: 'production',
          library: { kioskId: inventory.library_kiosks.hosts[host]!.kiosk_id },
          ops: { listen: '0.0.0.0:9464' },
        });
      }
    } finally {
      dir.remove();
    }
  });
});
