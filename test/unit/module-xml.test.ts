// The module XML, `features` and the error code must never drift apart.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { ERROR_TYPES } from '../../src/billmgr/errors';
import { PRODUCTS } from '../../src/products';

const REPO = path.resolve(__dirname, '..', '..');
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['lang', 'messages', 'msg', 'field', 'template', 'param', 'feature'].includes(name) });
type Msg = { name: string; '#text'?: string };
type Messages = { name: string; msg?: Msg[] };

const moduleXml = parser.parse(fs.readFileSync(path.join(REPO, 'etc', 'xml', 'billmgr_mod_pmenomssl.xml'), 'utf8')).mgrdata;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pmenomssl-features-'));
const features = parser.parse(execFileSync(path.join(REPO, 'dist', 'pmenomssl'), ['--command', 'features'], { env: { ...process.env, MGR5_ROOT: root } }).toString()).doc;

function messages(lang: string, group: string): Map<string, string> {
  const l = moduleXml.lang.find((x: { name: string }) => x.name === lang);
  assert.ok(l, `no <lang name="${lang}">`);
  const m = (l.messages as Messages[]).find((x) => x.name === group);
  assert.ok(m, `${lang}: no <messages name="${group}">`);
  return new Map((m.msg ?? []).map((x) => [x.name, (x['#text'] ?? '').trim()]));
}
const sorted = (xs: Iterable<string>) => [...xs].sort();
type Form = { name: string; form: { page: { field: { name: string }[] } } };
const forms: Form[] = Array.isArray(moduleXml.metadata) ? moduleXml.metadata : [moduleXml.metadata];
const formNamed = (name: string) => {
  const f = forms.find((m) => m.name === name);
  assert.ok(f, `no <metadata name="${name}">`);
  return f;
};

describe('module XML ↔ features ↔ error types', () => {
  const templates: string[] = features.templates.template.map((t: { name: string; id: string }) => {
    assert.equal(t.id, t.name, 'template id= and name= must be equal');
    return t.name;
  });

  it('features lists exactly the catalogue as templates', () => {
    assert.deepEqual(sorted(templates), sorted(PRODUCTS.map((p) => p.code)));
  });

  for (const lang of ['ru', 'en']) {
    it(`${lang}: a product name for every template and nothing else`, () => {
      const names = messages(lang, 'pricelist.certificate');
      assert.deepEqual(sorted(names.keys()), sorted(templates));
      for (const [k, v] of names) assert.ok(v.length > 0, `${lang}: empty product name for ${k}`);
    });

    it(`${lang}: a msg_error_<type> for every error type the module can emit, and no other`, () => {
      const errs = messages(lang, 'msgerror');
      assert.deepEqual(sorted(errs.keys()), sorted(Object.keys(ERROR_TYPES).map((t) => `msg_error_${t}`)));
      for (const [k, v] of errs) assert.ok(v.length > 10, `${lang}: ${k} is too short to help anyone`);
    });

    it(`${lang}: a label and a hint for every field of every form`, () => {
      assert.ok(forms.length >= 2, 'the connection form and the create-user form');
      for (const m of forms) {
        const texts = messages(lang, m.name);
        for (const f of m.form.page.field) {
          assert.ok(texts.get(f.name), `${lang}: ${m.name}: no text for ${f.name}`);
          assert.ok(texts.get(`hint_${f.name}`), `${lang}: ${m.name}: no hint for ${f.name}`);
        }
      }
    });

    it(`${lang}: plugin descriptions`, () => {
      const plugin = messages(lang, 'plugin');
      assert.ok(plugin.get('desc_short_pmenomssl') && plugin.get('desc_full_pmenomssl'));
      const label = messages(lang, 'label_processing_modules');
      assert.ok(label.get('pmenomssl') && label.get('module_pmenomssl'));
    });
  }

  it('the connection form has exactly the params features declares', () => {
    const fields = formNamed('processing.edit.pmenomssl').form.page.field.map((f) => f.name);
    const params = (features.params.param as { name: string }[]).map((p) => p.name);
    assert.deepEqual(sorted(fields), sorted(params));
    assert.equal(moduleXml.plugin.name, 'pmenomssl');
    assert.equal(moduleXml.plugin.group, 'processing_module');
  });

  it('the Russian connection error starts with the wording BILLmanager admins know', () => {
    assert.match(messages('ru', 'msgerror').get('msg_error_connection')!, /^Не удалось установить соединение с модулем обработки/);
  });
});
