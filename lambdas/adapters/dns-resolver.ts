/** The operating system's resolver (what node:http would use), answering every address. */
import { lookup } from 'node:dns/promises';
import type { HostResolver } from '../domain/ports/outbound-http.js';

export const systemResolver: HostResolver = async (hostname) => {
  // verbatim: keep the resolver's order instead of sorting IPv4 first.
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
};
