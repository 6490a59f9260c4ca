/**
 * Minimal X.509 certificate generation (DER by hand, signatures by `node:crypto`), because Node 20
 * can parse certificates but not create them. The emulator needs two kinds:
 * - its own TLS certificate (MSAL refuses authorities that are not `https:`), self-signed with
 *   `CA:TRUE` so clients can trust it directly (`ca` option or NODE_EXTRA_CA_CERTS);
 * - app credentials for certificate sign-in (`ClientCertificateCredential` needs a PEM with
 *   certificate and private key; the app's `keyCredentials` hold the certificate).
 *
 * Supports RSA (sha256WithRSAEncryption) and EC P-256 (ecdsa-with-SHA256) keys. Output is
 * verified by `crypto.X509Certificate` in the tests. Not a general ASN.1 library.
 */
import { X509Certificate, createHash, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
const set = (...c: Buffer[]): Buffer => tlv(0x31, ...c);
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const nul = (): Buffer => Buffer.from([0x05, 0x00]);
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, c: Buffer): Buffer => tlv(0xa0 + n, c);

function integer(b: Buffer): Buffer {
  let v = b;
  while (v.length > 1 && v[0] === 0 && ((v[1] as number) & 0x80) === 0) v = v.subarray(1);
  if (((v[0] as number) & 0x80) !== 0) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    let rest = p >>> 7;
    while (rest > 0) {
      chunk.unshift((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function time(d: Date): Buffer {
  const iso = d.toISOString();
  const year = d.getUTCFullYear();
  const compact = iso.slice(0, 19).replace(/[-:T]/g, '');
  return year < 2050 ? tlv(0x17, Buffer.from(`${compact.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${compact}Z`));
}

const name = (cn: string): Buffer => seq(set(seq(oid('2.5.4.3'), utf8(cn))));

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

export interface CertificateRequest {
  /** Common name of subject (and issuer, when self-signed). */
  readonly commonName: string;
  readonly publicKey: KeyObject;
  /** Signing key: the subject's own private key for a self-signed certificate. */
  readonly signingKey: KeyObject;
  /** Issuer common name; default: self-signed (= commonName). */
  readonly issuerName?: string;
  /** DNS names and IP addresses for subjectAltName (TLS server certificates). */
  readonly altNames?: readonly string[];
  readonly isCa?: boolean;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface GeneratedCertificate {
  readonly pem: string;
  readonly der: Buffer;
  /** SHA-1 thumbprint, upper-case hex (Entra's `customKeyIdentifier`). */
  readonly thumbprintSha1Hex: string;
  /** SHA-256 thumbprint as base64url (the `x5t#S256` JWT header). */
  readonly thumbprintSha256B64Url: string;
  /** SHA-1 thumbprint as base64url (the `x5t` JWT header). */
  readonly thumbprintSha1B64Url: string;
}

export function createCertificate(req: CertificateRequest): GeneratedCertificate {
  const isRsa = req.signingKey.asymmetricKeyType === 'rsa';
  const sigAlg = isRsa ? seq(oid('1.2.840.113549.1.1.11'), nul()) : seq(oid('1.2.840.10045.4.3.2'));
  const spki = req.publicKey.export({ type: 'spki', format: 'der' });
  const extensions: Buffer[] = [
    extension('2.5.29.19', true, seq(...(req.isCa ? [bool(true)] : []))),
    // digitalSignature, keyEncipherment, keyCertSign (CA only)
    extension('2.5.29.15', true, tlv(0x03, Buffer.from(req.isCa ? [1, 0xa4] : [5, 0xa0]))),
    extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2'))),
    extension('2.5.29.14', false, octets(createHash('sha1').update(spki).digest())),
  ];
  if (req.altNames && req.altNames.length > 0) {
    const names = req.altNames.map((n) => {
      const family = isIP(n);
      if (family === 4) return tlv(0x87, Buffer.from(n.split('.').map(Number)));
      if (family === 6) return tlv(0x87, ipv6Bytes(n));
      return tlv(0x82, Buffer.from(n, 'ascii'));
    });
    extensions.push(extension('2.5.29.17', false, seq(...names)));
  }
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f;
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    sigAlg,
    name(req.issuerName ?? req.commonName),
    seq(time(req.notBefore), time(req.notAfter)),
    name(req.commonName),
    spki,
    tlv(0xa3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, req.signingKey);
  const der = seq(tbs, sigAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  const pem = `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
  // Parse once: catches encoding mistakes here rather than in a TLS handshake.
  new X509Certificate(der);
  const sha1 = createHash('sha1').update(der).digest();
  return {
    pem,
    der,
    thumbprintSha1Hex: sha1.toString('hex').toUpperCase(),
    thumbprintSha1B64Url: sha1.toString('base64url'),
    thumbprintSha256B64Url: createHash('sha256').update(der).digest('base64url'),
  };
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return out;
}

/** Convenience: the public key of a private key. */
export const publicOf = (privateKey: KeyObject): KeyObject => createPublicKey(privateKey);
