/**
 * The Exchange Online connector's public face: the admin API (InvokeCommand) client for
 * distribution groups, which Graph can read but not write (facts §8).
 */
export { createExchangeClient, ExchangeClient, SYSTEM_MAILBOX, type ExchangeClientOptions, type InvokeOptions } from './client.js';
