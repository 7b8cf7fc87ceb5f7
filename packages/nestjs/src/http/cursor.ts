import { isUuid } from '@cask/contracts';
import { ValidationFailedException } from './validation-failed.exception';

/** Cursors are opaque to clients; today one wraps the last id of a page. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) throw new ValidationFailedException([{ field: 'cursor', reason: 'is not a cursor this api returned' }]);
  return id;
}
