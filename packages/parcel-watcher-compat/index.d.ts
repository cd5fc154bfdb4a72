export { subscribe, unsubscribe, writeSnapshot, getEventsSince } from 'watchfiles-node/parcel-watcher';
export type { AsyncSubscription, BackendType, Event, EventType, Options, SubscribeCallback } from 'watchfiles-node/parcel-watcher';
