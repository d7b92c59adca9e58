// The tenant's policy packs: PHI-like fields and identifiers (healthcare), card numbers (e-commerce).
import type { PolicyPack } from '../llm/models.schema.js';
import type { LineRule } from './types.js';

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = Number(digits[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length >= 13 && sum % 10 === 0;
}

function hasCardNumber(text: string): boolean {
  for (const match of text.matchAll(/\b\d(?:[ -]?\d){12,18}\b/g)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && /^[2-6]/.test(digits) && luhnValid(digits)) return true;
  }
  return false;
}

const PHI_FIELD_NAMES = [
  'ssn',
  'social_?security(_?number)?',
  'mrn',
  'medical_?record(_?number)?',
  'diagnos[ie]s(_?code)?',
  'date_?of_?birth',
  'dob',
  'patient_?name',
  'icd10',
];
const PHI_FIELD = new RegExp(String.raw`\b(${PHI_FIELD_NAMES.join('|')})\b`, 'i');

const PACKS: Readonly<Record<PolicyPack, readonly LineRule[]>> = {
  healthcare: [
    {
      id: 'policy.phi_identifier',
      severity: 'high',
      message: 'A US social security number pattern in the code (PHI)',
      fixHint:
        'Never commit patient identifiers; use synthetic test data that cannot be a real SSN (e.g. 000-xx-xxxx).',
      test: (t) => /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/.test(t),
    },
    {
      id: 'policy.phi_field',
      severity: 'medium',
      message: 'A PHI-like field (SSN, medical record number, diagnosis, date of birth, patient name)',
      fixHint: 'Make sure this field is encrypted at rest, excluded from logs and covered by the access policy.',
      test: (t) => PHI_FIELD.test(t),
    },
  ],
  ecommerce: [
    {
      id: 'policy.card_number',
      severity: 'critical',
      message: 'A payment card number in the code',
      fixHint:
        'Remove it; use the card network test numbers only in test fixtures, and never store PANs outside the ' +
        'PCI scope.',
      test: hasCardNumber,
    },
    {
      id: 'policy.card_field',
      severity: 'medium',
      message: 'A card data field (PAN, CVV) handled in the code',
      fixHint: 'Card data must go to the payment provider tokenised; never log or store the CVV.',
      test: (t) => /\b(cvv2?|cvc2?|card_?number|pan_?number|primary_?account_?number)\b/i.test(t),
    },
  ],
};

export function policyRules(packs: readonly PolicyPack[]): LineRule[] {
  return packs.flatMap((pack) => PACKS[pack]);
}
