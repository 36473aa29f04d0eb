/**
 * The account partition of the config table, built in one place: the account item, its usage days,
 * its alert-address days and its webhooks all live under `ACCOUNT#<id>`.
 */
export const accountPk = (accountId: string): string => `ACCOUNT#${accountId}`;

/** The account item itself. */
export const accountItemKey = (accountId: string) => ({ pk: accountPk(accountId), sk: '#ACCOUNT' });
