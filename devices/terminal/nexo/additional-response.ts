/**
 * A nexo `Response.AdditionalResponse`, as a map of its fields. Adyen terminals send it in one of
 * two forms, chosen in the terminal's settings: URL-encoded `key=value&…` pairs (the form in
 * Adyen's published samples: adyen-node-api-library src/__mocks__/terminalApi/sync.ts, whose
 * text is broken over several lines), or a base64-encoded JSON object whose `additionalData`
 * holds the same keys (and `message` a text). Either way the kiosk reads the same fields
 * (`refusalReason`, `message`, …); text that is neither gives an empty map.
 */
export function readAdditionalResponse(text: string | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  if (!text) return fields;
  const trimmed = text.trim();
  if (isBase64Json(trimmed)) {
    const json = JSON.parse(Buffer.from(trimmed, 'base64').toString('utf8')) as Record<string, unknown>;
    const additional = json.additionalData;
    for (const source of [json, typeof additional === 'object' && additional ? additional : {}])
      for (const [key, value] of Object.entries(source as Record<string, unknown>))
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
          fields.set(key, String(value));
    return fields;
  }
  // Line breaks inside the text (as in Adyen's sample) are not part of any value.
  for (const [key, value] of new URLSearchParams(trimmed.replace(/\s*\n\s*/gu, ''))) fields.set(key, value);
  return fields;
}

function isBase64Json(text: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/u.test(text) || text.length % 4 !== 0) return false;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
