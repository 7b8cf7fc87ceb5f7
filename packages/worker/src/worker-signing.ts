import { MessageSigner, SigningKey, signerFor } from '@cask/contracts';

/** How the worker checks job messages and signs its events; no signer: unsigned. */
export class WorkerSigning {
  readonly signer?: MessageSigner;

  constructor(keys: readonly SigningKey[]) {
    this.signer = signerFor(keys);
  }
}
