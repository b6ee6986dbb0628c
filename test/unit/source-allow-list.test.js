'use strict';
const assert = require('node:assert/strict');
const fc = require('fast-check');
const net = require('node:net');
const {
  SourceAllowList,
  clientAddress,
  isIPv4,
  isIPv6,
  sourceRejection,
} = require('../../nodes/lib/source-allow-list');

const GENEA = '34.205.175.141';

function allowList(text) {
  const { list, errors } = SourceAllowList.parse(text);
  assert.deepEqual(errors, []);
  return list;
}

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
const dotted = (octets) => octets.join('.');
const ipv4Number = (octets) => octets.reduce((value, octet) => value * 256 + octet, 0);

describe('source allow-list', function () {
  it('allows everyone when empty, blank or only separators', function () {
    for (const text of ['', '  ', ' ,\n, ']) {
      const list = allowList(text);
      assert.equal(list.allowsEveryone, true);
      assert.equal(list.allows('203.0.113.9'), true);
      assert.equal(list.allows(null), true);
    }
  });

  it("allows Genea's documented source, also as an IPv4-mapped IPv6 socket address, and nothing else", function () {
    const list = allowList(GENEA);
    assert.equal(list.allows(GENEA), true);
    assert.equal(list.allows(`::ffff:${GENEA}`), true);
    assert.equal(list.allows('::ffff:22cd:af8d'), true);
    assert.equal(list.allows('34.205.175.142'), false);
    assert.equal(list.allows('127.0.0.1'), false);
    assert.equal(list.allows(null), false);
    assert.equal(list.allows('not an address'), false);
  });

  it('reads IPv4 and IPv6 addresses and ranges separated by commas, spaces and new lines', function () {
    const list = allowList('10.0.0.0/8, 192.168.1.7\n2001:db8::/32  ::1,::ffff:172.16.0.0/108');
    for (const address of ['10.255.1.2', '192.168.1.7', '2001:db8:ffff::1', '::1', '172.16.200.1', 'fe80::1%lo']) {
      assert.equal(list.allows(address), !address.startsWith('fe80'), address);
    }
    for (const address of ['11.0.0.1', '192.168.1.8', '2001:db9::1', '::2', '172.32.0.1']) {
      assert.equal(list.allows(address), false, address);
    }
  });

  it('takes a range with host bits set as its network, and keeps IPv4 and IPv6 apart', function () {
    assert.equal(allowList('10.0.0.1/24').allows('10.0.0.200'), true);
    assert.equal(allowList('0.0.0.0/0').allows('2001:db8::1'), false);
    assert.equal(allowList('::/0').allows('2001:db8::1'), true);
    assert.equal(allowList('::/0').allows('198.51.100.1'), false);
  });

  it('names every bad entry', function () {
    const { list, errors } = SourceAllowList.parse(
      '34.205.175.141, nonsense 10.0.0.256 10.0.0.0/33 2001:db8::/129 10.0.0.0/ /8 fe80::1%eth0 ::ffff:1.2.3.4/95 1.2.3.4/-1',
    );
    assert.equal(list, null);
    const address = (entry) => ({ entry, problem: 'address' });
    const prefix = (entry, min, max) => ({ entry, problem: 'prefix', min, max });
    assert.deepEqual(errors, [
      address('nonsense'),
      address('10.0.0.256'),
      prefix('10.0.0.0/33', 0, 32),
      prefix('2001:db8::/129', 0, 128),
      prefix('10.0.0.0/', 0, 32),
      address('/8'),
      address('fe80::1%eth0'),
      prefix('::ffff:1.2.3.4/95', 96, 128),
      prefix('1.2.3.4/-1', 0, 32),
    ]);
  });

  it('recognises addresses exactly as node:net does, without it (the editor runs the same parser)', function () {
    const hex = fc.constantFrom(...'0123456789abcdefABCDEF:.%'.split(''), 'ffff', '255', '256', '01', '::', '1.2.3.4');
    const texts = fc.oneof(
      fc.array(hex, { maxLength: 14 }).map((parts) => parts.join('')),
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV4Extended(),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(texts, (text) => {
        assert.equal(isIPv4(text), net.isIPv4(text), `isIPv4(${JSON.stringify(text)})`);
        assert.equal(isIPv6(text), net.isIPv6(text), `isIPv6(${JSON.stringify(text)})`);
      }),
      { numRuns: 20_000 },
    );
    for (const text of [
      '::',
      '::1',
      '1::',
      '1:2:3:4:5:6:7::',
      '::ffff:1.2.3.4',
      'fe80::1%eth0',
      '1:2:3:4:5:6:1.2.3.4',
    ]) {
      assert.ok(isIPv6(text) && net.isIPv6(text), text);
    }
  });

  it('agrees with node:net on spellings random text rarely makes', function () {
    for (const text of [
      '1::2::3', // two "::"
      '1:2:3::4:5:6::7:8', // two "::" and eight groups
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7', // seven groups without "::"
      '1::2:3:4:5:6:7:8', // eight groups and "::"
      '1::3:4:5:6:7:8',
      '1.2.3.4::',
      '1.2.3.4:1::',
      '::1.2.3.4:5',
      '::ffff:1.2.3.256',
      'fe80::1%eth0%1',
      'fe80::1%',
      '1:2:3:4:5:6:7:1.2.3.4',
    ]) {
      assert.equal(isIPv6(text), net.isIPv6(text), text);
    }
  });

  it('reads addresses as sockets give them: spaces around, a zone index, an embedded IPv4 tail', function () {
    const list = allowList('fe80::1, 2001:db8::/64, ::ffff:10.0.0.0/104');
    assert.equal(list.allows(' fe80::1 '), true, 'spaces around');
    assert.equal(list.allows('fe80::1%eth0'), true, 'a zone index names no other address');
    assert.equal(list.allows('fe80::2%eth0'), false);
    assert.equal(list.allows('2001:db8::5'), true);
    assert.equal(list.allows('2001:db8:0:1::5'), false);
    assert.equal(list.allows('2001:db8::ffff:1.2.3.4'), true, 'an IPv4 tail is the last two groups');
    assert.equal(list.allows('2001:db8:0:1:0:0:1.2.3.4'), false);
    assert.equal(list.allows('10.200.3.4'), true, 'an IPv4-mapped range holds IPv4 addresses');
    assert.equal(list.allows('11.0.0.1'), false);
    assert.equal(list.allows('1:2:3:4:5:6:7:8'), false, 'eight groups, no "::"');
    assert.equal(allowList('1:2:3:4:5:6:7:8').allows('1:2:3:4:5:6:7:8'), true);
    assert.equal(allowList('1:2:3:4:5:6:7:8').allows('1:2:3:4:5:6:7:9'), false);
  });

  it('refuses a prefix that is not 0-3 plain digits', function () {
    for (const entry of ['10.0.0.0/+8', '10.0.0.0/8x', '10.0.0.0/0x8', '10.0.0.0/1e1', '10.0.0.0/', '10.0.0.0/0008']) {
      assert.equal(SourceAllowList.parse(entry).list, null, entry);
    }
    assert.notEqual(SourceAllowList.parse('10.0.0.0/08').list, null, 'a leading zero in three digits is fine');
  });

  it('never throws on any text, and either parses or names an error', function () {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const { list, errors } = SourceAllowList.parse(text);
        assert.equal(list === null, errors.length > 0);
        if (list) list.allows(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('allows an IPv4 address exactly when its first prefix bits equal the range’s (property)', function () {
    fc.assert(
      fc.property(ipv4, fc.integer({ min: 0, max: 32 }), ipv4, (network, prefix, address) => {
        const list = allowList(`${dotted(network)}/${prefix}`);
        const shift = 2 ** (32 - prefix);
        const expected = Math.floor(ipv4Number(network) / shift) === Math.floor(ipv4Number(address) / shift);
        assert.equal(list.allows(dotted(address)), expected);
        assert.equal(list.allows(`::ffff:${dotted(address)}`), expected);
        assert.equal(allowList(`::ffff:${dotted(network)}/${prefix + 96}`).allows(dotted(address)), expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('allows an IPv6 address listed in any of its spellings, and /128 allows only it (property)', function () {
    /** The address as a number, read by the WHATWG URL parser (not by the code under test). */
    const value = (ip) => {
      const [head, tail = ''] = new URL(`http://[${ip}]/`).hostname.slice(1, -1).split('::');
      const groups = (part) => (part === '' ? [] : part.split(':'));
      const all = [...groups(head), ...Array(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)];
      return all.reduce((sum, group) => (sum << 16n) + BigInt(`0x${group}`), 0n);
    };
    /** The address whose lowest bit differs from `ip`'s, written out in full. */
    const neighbour = (ip) =>
      Array.from({ length: 8 }, (_, i) => (((value(ip) ^ 1n) >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(
        ':',
      );
    let refused = 0;
    fc.assert(
      fc.property(fc.ipV6(), fc.ipV6(), (listed, other) => {
        const list = allowList(listed);
        assert.equal(list.allows(listed), true);
        assert.equal(list.allows(listed.toUpperCase()), true);
        const single = allowList(`${listed}/128`);
        assert.equal(single.allows(listed), true);
        assert.equal(single.allows(neighbour(listed)), false, neighbour(listed));
        const same = value(other) === value(listed);
        assert.equal(single.allows(other), same, other);
        assert.equal(list.allows(other), same, other);
        if (!same) refused++;
      }),
      { numRuns: 1000 },
    );
    assert.ok(refused > 900, `another address was refused in ${refused} of 1000 runs`);
  });
});

describe('client address', function () {
  it('is the socket address, X-Forwarded-For ignored, unless proxies are trusted', function () {
    assert.equal(clientAddress('198.51.100.7', GENEA, 0), '198.51.100.7');
    assert.equal(clientAddress(undefined, GENEA, 0), null);
  });

  it('is the Nth X-Forwarded-For element from the right with N trusted proxies', function () {
    const header = '6.6.6.6, 34.205.175.141, 10.0.0.2';
    assert.equal(clientAddress('10.0.0.1', header, 1), '10.0.0.2');
    assert.equal(clientAddress('10.0.0.1', header, 2), GENEA);
    assert.equal(clientAddress('10.0.0.1', ['6.6.6.6', '34.205.175.141'], 1), GENEA);
    assert.equal(clientAddress('10.0.0.1', '34.205.175.141:4431', 1), GENEA);
    assert.equal(clientAddress('10.0.0.1', '[2001:db8::7]:4431', 1), '2001:db8::7');
    assert.equal(clientAddress('10.0.0.1', '2001:db8::7', 1), '2001:db8::7');
  });

  it('reads each X-Forwarded-For element only as a whole address, with or without a port', function () {
    assert.equal(clientAddress('10.0.0.1', '[2001:db8::7]', 1), '2001:db8::7', 'brackets without a port');
    assert.equal(clientAddress('10.0.0.1', ' 34.205.175.141:80 ', 1), GENEA);
    for (const element of [
      'x[2001:db8::7]:1',
      '[2001:db8::7]:1x',
      '[2001:db8::7]:',
      '[34.205.175.141]',
      'x34.205.175.141:80',
      '34.205.175.141:80x',
      '34.205.175.141:',
    ]) {
      assert.equal(clientAddress('10.0.0.1', element, 1), null, element);
    }
  });

  it('counts only the elements there are: empty ones between commas are no hops', function () {
    assert.equal(clientAddress('10.0.0.1', `${GENEA}, ,10.0.0.2,`, 2), GENEA);
    assert.equal(clientAddress('10.0.0.1', [`${GENEA}`, ' ', '10.0.0.2'], 2), GENEA);
    assert.equal(clientAddress('10.0.0.1', ['6.6.6.6', `${GENEA},10.0.0.2`], 2), GENEA, 'header lines joined');
  });

  it('is unknown when the proxies the setting describes did not add their elements', function () {
    assert.equal(clientAddress('10.0.0.1', undefined, 1), null);
    assert.equal(clientAddress('10.0.0.1', '', 1), null);
    assert.equal(clientAddress('10.0.0.1', GENEA, 2), null);
    assert.equal(clientAddress('10.0.0.1', 'unknown', 1), null);
    assert.equal(clientAddress('10.0.0.1', '1.2.3.4.5', 1), null);
  });

  it('cannot be spoofed by elements a client prepends (property)', function () {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(ipv4.map(dotted), fc.string()), { maxLength: 4 }),
        ipv4.map(dotted),
        fc.array(ipv4.map(dotted), { minLength: 1, maxLength: 4 }),
        (spoofed, client, proxies) => {
          // proxies[0] received from the client; each later proxy appends the one before it.
          const header = [...spoofed, client, ...proxies.slice(0, -1)].join(', ');
          assert.equal(clientAddress(proxies[proxies.length - 1], header, proxies.length), client);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('turns into a 403 with a short reason when not allowed', function () {
    const list = allowList(GENEA);
    assert.equal(sourceRejection(list, GENEA, undefined, 0), null);
    assert.deepEqual(sourceRejection(list, '127.0.0.1', GENEA, 0), {
      status: 403,
      reason: 'Forbidden: source 127.0.0.1 is not allowed',
    });
    assert.equal(sourceRejection(list, '127.0.0.1', GENEA, 1), null);
    assert.deepEqual(sourceRejection(list, '127.0.0.1', undefined, 1), {
      status: 403,
      reason: 'Forbidden: X-Forwarded-For does not show the 1 trusted proxy hop(s) configured',
    });
    assert.equal(sourceRejection(allowList(''), '127.0.0.1', undefined, 3), null);
  });
});
