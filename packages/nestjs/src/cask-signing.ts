import { MessageSigner, SigningKey, signerFor } from '@cask/contracts';

/** How this app signs what it publishes and checks what it consumes; no signer: unsigned. */
export class CaskSigning {
  readonly signer?: MessageSigner;

  constructor(keys: readonly SigningKey[]) {
    this.signer = signerFor(keys);
  }
}
