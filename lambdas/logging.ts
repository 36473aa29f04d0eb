import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs (Powertools); the level comes from POWERTOOLS_LOG_LEVEL. */
export const log = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'serverless-webhooks' });
