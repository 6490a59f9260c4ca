/**
 * A self-signed certificate credential for an app registration: an RSA 2048 key pair made here,
 * a certificate for it (SHA-256, CN "Tenant Vault …"), the PEM with both for the profile and
 * the DER for the app's `keyCredentials`. The private key never leaves the process except
 * inside the (encrypted) profile.
 *
 * Built with `@peculiar/x509` over Node's WebCrypto (docs/decisions/0004-certificate-library.md):
 * Node 20 can parse certificates but not create them. The library needs the `reflect-metadata`
 * polyfill, so both are loaded only when a certificate is made (`profile create-app`).
 */
import { webcrypto } from 'node:crypto';

export interface GeneratedCertificate {
  /** Certificate and PKCS#8 private key, PEM, for ClientCertificateCredential. */
  readonly pem: string;
  /** The certificate alone, DER, base64 — `keyCredential.key`. */
  readonly derBase64: string;
  readonly thumbprint: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;

function pemOf(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export async function generateCertificate(subject: string, options: { now?: Date; validDays?: number } = {}): Promise<GeneratedCertificate> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date((options.now ?? new Date()).getTime() - 5 * 60_000);
  const notAfter = new Date(notBefore.getTime() + (options.validDays ?? 730) * 86_400_000);
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial, name: `CN=${subject.replace(/[,=+<>#;"\\]/g, ' ')}`, notBefore, notAfter, keys, signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const der = Buffer.from(cert.rawData);
  const thumbprint = Buffer.from(await webcrypto.subtle.digest('SHA-1', der)).toString('hex').toUpperCase();
  return { pem: `${cert.toString('pem')}\n${pemOf('PRIVATE KEY', pkcs8)}`, derBase64: der.toString('base64'), thumbprint, notBefore, notAfter };
}
