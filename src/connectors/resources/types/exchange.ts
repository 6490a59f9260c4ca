/**
 * Exchange Online distribution groups. Graph can read them but not write them (facts §8.1),
 * and deleted ones are hard-deleted, so they are read and restored through the Exchange Online
 * admin API's InvokeCommand (facts §8.2, unsupported by Microsoft and liable to change).
 * Items are keyed by `ExternalDirectoryObjectId`, which is the group's Entra object id, so a
 * distribution group and its Graph `group` record share one id.
 */
import { defineResource } from '../define.js';

export const distributionGroup = defineResource({
  service: 'azure', name: 'distributionGroup', endpoint: 'exchange', path: '/InvokeCommand', api: 'v1.0', change: 'list',
  command: { cmdlet: 'Get-DistributionGroup', parameters: { ResultSize: 'Unlimited' } },
  idProperty: 'ExternalDirectoryObjectId',
  // Not `audited`: Exchange dual-writes what Entra also holds (a group record by "Microsoft
  // Substrate Management"), but changes of Exchange-only properties leave no directory record
  // (https://www.michev.info/blog/post/6047, https://timmcmic.blog/2024/08/28/microsoft-365-tracking-changes-to-groups/),
  // so the groups are listed on every run.
  permissions: {
    read: ['Exchange.ManageAsApp'],
    write: ['Exchange.ManageAsApp'],
    note: 'App-only Exchange also needs an Entra role on the service principal (Exchange Recipient Administrator) — facts §8.2.',
  },
  readOnly: ['Guid', 'DistinguishedName', 'WhenCreated', 'WhenChanged', 'ExchangeVersion', 'OrganizationId', 'ExternalDirectoryObjectId'],
  references: { 'members[].ExternalDirectoryObjectId': 'directoryObject' },
  subResources: [
    {
      // Membership has no change signal; one cmdlet call per group and run.
      name: 'members', kind: 'collection', read: 'everyRun',
      command: { cmdlet: 'Get-DistributionGroupMember', parameters: { Identity: '{id}', ResultSize: 'Unlimited' } },
    },
  ],
  sources: ['facts/graph-api.md §8', 'https://michev.info/blog/post/5822/all-you-need-to-know-about-exchange-online-admin-api-or-how-to-run-cmdlets-without-powershell'],
});
