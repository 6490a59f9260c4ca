/**
 * The emulated Exchange Online admin API (InvokeCommand for distribution groups), mounted on the
 * emulator's origin as a non-Graph service. See service.ts (wire format, authorization),
 * cmdlets.ts (what each cmdlet does) and recipients.ts (the Exchange view of the directory).
 */
export { EXCHANGE_AUDIENCES, exchangeService } from './service.js';
export { ExchangeCmdletError, runCmdlet, SUPPORTED_CMDLETS, type CmdletContext, type CmdletResult } from './cmdlets.js';
export { distributionGroupOf, exchangeStore, isDistributionGroup, membersOf, EXCHANGE_STORE } from './recipients.js';
