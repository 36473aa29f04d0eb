import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Lambda bundles alias @aws-sdk/credential-provider-node to this module. Inside Lambda the default
 * chain always resolves to the environment variables the runtime sets, so the rest of the chain
 * (SSO, INI files, web identity, their nested STS/SSO clients: ~130 KB per bundle) is dead weight.
 * The local runtime and tests are not bundled and keep the full chain.
 */
export const defaultProvider = () => fromEnv();
