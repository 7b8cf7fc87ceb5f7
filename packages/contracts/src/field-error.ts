/** One rule a value broke: where (dotted path) and why. */
export interface FieldError {
  field: string;
  reason: string;
}
