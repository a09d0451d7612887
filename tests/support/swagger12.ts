import { readFileSync } from 'node:fs';
import { isLosslessNumber } from 'lossless-json';

/**
 * Just enough of Swagger 1.2 to check a JSON value (parsed with lossless-json, so numbers keep
 * their text) against the models of the FBS spec files: types, formats, enums, required
 * properties, nested models and arrays. Strict: a property the model does not define is an
 * error, so the sandbox cannot invent fields the real FBS does not send.
 */
interface Property {
  type?: string;
  $ref?: string;
  format?: string;
  enum?: string[];
  items?: { type?: string; $ref?: string; format?: string };
}
interface Model {
  required?: string[];
  properties: Record<string, Property>;
}
interface Parameter {
  paramType: string;
  name: string;
  type: string;
  items?: Property['items'];
}
export interface Operation {
  method: string;
  nickname: string;
  type: string;
  items?: Property['items'];
  parameters: Parameter[];
  path: string;
}

export class SwaggerSpec {
  readonly models: Record<string, Model> = {};
  readonly operations = new Map<string, Operation>();

  constructor(files: readonly string[]) {
    for (const file of files) {
      const spec = JSON.parse(readFileSync(file, 'utf8')) as {
        models?: Record<string, Model>;
        apis: { path: string; operations: Omit<Operation, 'path'>[] }[];
      };
      Object.assign(this.models, spec.models ?? {});
      for (const api of spec.apis)
        for (const op of api.operations) this.operations.set(op.nickname, { ...op, path: api.path });
    }
  }

  operation(nickname: string): Operation {
    const op = this.operations.get(nickname);
    if (!op) throw new Error(`no operation ${nickname} in the spec`);
    return op;
  }

  /** Errors for the response body of an operation. */
  checkResponse(nickname: string, value: unknown): string[] {
    const op = this.operation(nickname);
    return this.check({ type: op.type, items: op.items }, value, 'response');
  }

  /** Errors for the body parameter of an operation. */
  checkRequestBody(nickname: string, value: unknown): string[] {
    const body = this.operation(nickname).parameters.find((p) => p.paramType === 'body');
    if (!body) return value === null || value === undefined ? [] : ['operation takes no body'];
    return this.check({ type: body.type, items: body.items }, value, 'body');
  }

  check(property: Property, value: unknown, at: string): string[] {
    const type = property.$ref ?? property.type;
    if (value === null || value === undefined) return [`${at}: missing`];
    switch (type) {
      case 'string':
        if (typeof value !== 'string') return [`${at}: expected string`];
        return property.enum && !property.enum.includes(value)
          ? [`${at}: "${value}" not in ${property.enum.join('|')}`]
          : [];
      case 'boolean':
        return typeof value === 'boolean' ? [] : [`${at}: expected boolean`];
      case 'integer':
        if (!isLosslessNumber(value) || !/^-?\d+$/.test(value.value)) return [`${at}: expected integer`];
        if (property.format === 'int32' && Math.abs(Number(value.value)) > 2 ** 31) return [`${at}: outside int32`];
        return BigInt(value.value) > 2n ** 63n - 1n ? [`${at}: outside int64`] : [];
      case 'number':
        return isLosslessNumber(value) ? [] : [`${at}: expected number`];
      case 'array':
        if (!Array.isArray(value)) return [`${at}: expected array`];
        return value.flatMap((v, i) => this.check(property.items ?? {}, v, `${at}[${i}]`));
      case undefined:
        return [`${at}: the spec gives no type`];
      default:
        return this.checkModel(type, value, at);
    }
  }

  private checkModel(name: string, value: unknown, at: string): string[] {
    const model = this.models[name];
    if (!model) return [`${at}: unknown model ${name}`];
    if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: expected ${name} object`];
    const record = value as Record<string, unknown>;
    const errors: string[] = [];
    for (const key of model.required ?? [])
      if (record[key] === undefined || record[key] === null) errors.push(`${at}.${key}: required by ${name}`);
    for (const [key, v] of Object.entries(record)) {
      const property = model.properties[key];
      if (!property) errors.push(`${at}.${key}: not a property of ${name}`);
      else if (v !== undefined && v !== null) errors.push(...this.check(property, v, `${at}.${key}`));
    }
    return errors;
  }
}
