import { type ListenOptions, Server } from 'node:net';
import { startFauxqs } from 'fauxqs';
import { SQS_REFUSED_CHARACTER } from '../domain/sqs-text.js';

/**
 * The local SQS: fauxqs, made to refuse exactly what SQS refuses. Two things differ in fauxqs 1.9
 * and are set right here rather than worked around at each caller:
 *
 * - Its body check is a regular expression without the `u` flag, so every astral character (🎉, any
 *   emoji) reads as two surrogates and is refused, while SQS takes #x10000–#x10FFFF. The check's
 *   own RegExp object is given SQS's rule, so SendMessage and SendMessageBatch both follow it.
 * - It listens on 0.0.0.0 whatever `host` says: while it starts, a listen on every interface is
 *   narrowed to loopback, so the local queues are never reachable from the network.
 */

export type SqsEngine = Awaited<ReturnType<typeof startFauxqs>>;

let rulesApplied: Promise<void> | undefined;

/** fauxqs keeps its check in a module its package does not export: reached by its file's URL. */
async function applySqsCharacterRules(): Promise<void> {
  const typesUrl = new URL('./sqs/sqsTypes.js', import.meta.resolve('fauxqs'));
  const types = (await import(typesUrl.href)) as { INVALID_MESSAGE_BODY_CHAR?: unknown };
  const check = types.INVALID_MESSAGE_BODY_CHAR;
  if (!(check instanceof RegExp)) throw new Error('fauxqs has no INVALID_MESSAGE_BODY_CHAR to correct');
  Object.defineProperty(check, 'test', {
    value: (text: string) => SQS_REFUSED_CHARACTER.test(text),
    configurable: true,
  });
}

async function onLoopbackOnly<T>(start: () => Promise<T>): Promise<T> {
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    const [options] = args;
    if (typeof options === 'object' && options !== null && (options as ListenOptions).host === '0.0.0.0')
      args[0] = { ...(options as ListenOptions), host: '127.0.0.1' };
    return listen.apply(this, args as Parameters<Server['listen']>);
  } as Server['listen'];
  try {
    return await start();
  } finally {
    Server.prototype.listen = listen;
  }
}

/** Starts the local SQS engine on a free loopback port. */
export async function startSqsEngine(): Promise<SqsEngine> {
  rulesApplied ??= applySqsCharacterRules();
  await rulesApplied;
  return onLoopbackOnly(() => startFauxqs({ port: 0, logger: false, host: '127.0.0.1' }));
}
