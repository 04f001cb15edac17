import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModuleError } from '../../src/billmgr/errors';
import { errorXml } from '../../src/billmgr/report';
import { registerSecret } from '../../src/billmgr/logline';
import { child, text } from '../../src/billmgr/xml';
import { parseXml } from '../../src/billmgr/xml-parse';

const isValueError = (e: unknown) => e instanceof ModuleError && e.type === 'value' && e.object === 'stdin';

describe('XML from outside is hostile', () => {
  it('parses a BILLmanager document', () => {
    const doc = parseXml('<?xml version="1.0"?><doc><processingmodule><url>https://x/i.asp</url><password>a&amp;b</password></processingmodule></doc>', 'stdin');
    const pm = child(child(doc, 'doc'), 'processingmodule');
    assert.equal(text(pm, 'url'), 'https://x/i.asp');
    assert.equal(text(pm, 'password'), 'a&b');
  });
  it('refuses DTDs and entity bombs', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><doc>&lol2;</doc>';
    assert.throws(() => parseXml(bomb, 'stdin'), isValueError);
  });
  it('refuses malformed and truncated XML, naming the line', () => {
    assert.throws(() => parseXml('<doc><a></doc>', 'stdin'), isValueError);
    assert.throws(() => parseXml('<doc><processingmodule><url>x', 'stdin'), (e: unknown) => isValueError(e) && /malformed/.test((e as Error).message));
  });
  it('a malformed document is reported by the fault and its place, never by quoting the document', () => {
    // the validator's own message here is "Tag 'ret99</password' is an invalid name": part of a password
    const doc = '<?xml version="1.0"?>\n<doc><processingmodule>\n<password>Sec<ret99</password></processingmodule></doc>';
    assert.throws(
      () => parseXml(doc, 'stdin'),
      (e: unknown) => {
        assert.ok(isValueError(e) && e instanceof ModuleError);
        assert.match(e.message, /^stdin: malformed XML \(InvalidTag at line 3, column \d+\)$/);
        assert.match(e.value, /^malformed XML at line 3, column \d+$/);
        const out = `${e.message} ${e.value} ${errorXml(e)}`;
        for (const part of ['ret99', 'Sec<', 'password']) assert.ok(!out.includes(part), `${part} in ${out}`);
        return true;
      },
    );
  });
  it('a well-formed document the parser refuses is reported without the parser\'s words about it', () => {
    // the parser names the element it refuses: document text
    assert.throws(
      () => parseXml('<doc><__proto__>Secret99</__proto__></doc>', 'stdin'),
      (e: unknown) => {
        assert.ok(isValueError(e));
        const err = e as ModuleError;
        assert.match(err.message, /^stdin: XML not accepted \(/);
        assert.equal(err.value, 'not accepted');
        const out = `${err.message} ${err.value} ${errorXml(err)} ${String(err.cause ?? '')}`;
        for (const part of ['__proto__', 'Secret99']) assert.ok(!out.includes(part), `${part} in ${out}`);
        return true;
      },
    );
  });
  it('decodes character references as XML does, and refuses one to a character XML forbids (not in CDATA or a comment)', () => {
    const doc = parseXml('<doc><pw>P&#38;q&#x26;&amp;#38;</pw><cdata><![CDATA[&#0; stays]]></cdata><!-- &#1; --></doc>', 'stdin');
    assert.equal(text(child(doc, 'doc'), 'pw'), 'P&q&&#38;');
    assert.equal(text(child(doc, 'doc'), 'cdata'), '&#0; stays');
    for (const bad of ['<doc><a>&#0;</a></doc>', '<doc><a>&#xD800;</a></doc>', '<doc><a b="&#1;"/></doc>', '<doc><a>&#99999999;</a></doc>']) {
      assert.throws(() => parseXml(bad, 'stdin'), (e: unknown) => e instanceof ModuleError && e.type === 'value' && /character reference/.test(e.message), bad);
    }
  });

  it('refuses oversized input', () => {
    assert.throws(() => parseXml(`<doc>${'a'.repeat(2 * 1024 * 1024)}</doc>`, 'stdin'), isValueError);
  });
});

describe('error XML', () => {
  it('has type, object, value and a message, escaped', () => {
    const xml = errorXml(new ModuleError('value', 'bad "thing" <here>', { object: 'item', value: 'a&b' }));
    assert.match(xml, /^<doc><error type="value" object="item" value="a&amp;b">/);
    assert.match(xml, /<param name="object">item<\/param><param name="value">a&amp;b<\/param>/);
    assert.match(xml, /<msg>bad &quot;thing&quot; &lt;here&gt;<\/msg>/);
    const back = parseXml(xml, 'stdin');
    const err = child(child(back, 'doc'), 'error');
    assert.equal(err?.['@_type'], 'value');
    assert.equal(text(err, 'msg'), 'bad "thing" <here>');
  });
  it('never carries a registered secret', () => {
    registerSecret('Top-Secret-999');
    const xml = errorXml(new ModuleError('api_error', 'ENOM said Top-Secret-999 is wrong', { value: 'Top-Secret-999' }));
    assert.ok(!xml.includes('Top-Secret-999'));
  });
});
