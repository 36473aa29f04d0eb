import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, LeanSecretsManagerClient } from '../aws/lean/secrets-manager.js';
import type { SecretCipher } from '../domain/ports/secrets.js';

/**
 * AES-256-GCM under one master key per deployment. The key material comes from Secrets Manager in
 * AWS (one secret, not one per endpoint) or from a file in the local data directory; it is fetched
 * once per process and cached.
 */

const FORMAT = 'v1';

export type MasterKeySource = () => Promise<string>;

export class AesGcmSecretCipher implements SecretCipher {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly source: MasterKeySource) {}

  private masterKey(): Promise<Buffer> {
    this.key ??= this.source().then((material) => createHash('sha256').update(material).digest());
    // A failed fetch must not be cached forever: the next call tries again.
    this.key.catch(() => {
      this.key = undefined;
    });
    return this.key;
  }

  async encrypt(plaintext: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.masterKey(), iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      FORMAT,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ciphertext.toString('base64'),
    ].join('.');
  }

  async decrypt(sealed: string): Promise<string> {
    const [format, iv, tag, ciphertext] = sealed.split('.');
    if (format !== FORMAT || !iv || !tag || ciphertext === undefined)
      throw new Error('Unrecognised ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', await this.masterKey(), Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  }
}

export const secretsManagerKey =
  (secretArn: string, client = new LeanSecretsManagerClient()): MasterKeySource =>
  async () => {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!SecretString) throw new Error('Master key secret has no string value');
    return SecretString;
  };

export const fileKey =
  (path: string): MasterKeySource =>
  async () =>
    (await readFile(path, 'utf8')).trim();
