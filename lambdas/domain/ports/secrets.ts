/** Encrypts signing secrets at rest under the deployment's master key. */
export interface SecretCipher {
  encrypt(plaintext: string): Promise<string>;
  decrypt(ciphertext: string): Promise<string>;
}
