/** What can detect changes for the runner (its `changeSource` option, the CLI's --change-source). */
export const CHANGE_SOURCES = ['native', 'stat', 'watchman'] as const;
export type ChangeSourceName = (typeof CHANGE_SOURCES)[number];
