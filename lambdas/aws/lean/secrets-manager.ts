import type {
  GetSecretValueCommandInput,
  GetSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { LeanJsonCommand, LeanJsonServiceClient } from './json-client.js';

/**
 * Secrets Manager GetSecretValue (secretsmanager.GetSecretValue, JSON 1.1) on the lean client: the
 * master key read, once per container. Types from @aws-sdk/client-secrets-manager, nothing bundled.
 */

export class GetSecretValueCommand extends LeanJsonCommand<
  GetSecretValueCommandInput,
  GetSecretValueCommandOutput
> {
  readonly operation = 'GetSecretValue';
}

export class LeanSecretsManagerClient extends LeanJsonServiceClient {
  constructor(options: { readonly endpoint?: string; readonly region?: string } = {}) {
    super({ service: 'secretsmanager', targetPrefix: 'secretsmanager', jsonVersion: '1.1', ...options });
  }
}
