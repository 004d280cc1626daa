import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, registerDecorator } from 'class-validator';

/**
 * An enum filter in a query string (`status`, `kind`, `resolution`…), the one way every list
 * route takes one: the canonical spelling is the one the route answers with (so a value read off
 * an answer can be sent back as is); any letter case is accepted and normalised to it
 * (`?status=dead` is `?status=DEAD`); anything else is a 400 naming the field and its values.
 * Documented in OpenAPI as an enum of the canonical values.
 */
export function EnumFilter(
  values: readonly string[],
  opts: { required?: boolean; example?: string; description?: string } = {},
): PropertyDecorator {
  const canonical = new Map(values.map((v) => [v.toLowerCase(), v]));
  if (canonical.size !== values.length) throw new Error(`EnumFilter: values differ only by case: ${values.join(', ')}`);
  const doc = {
    enum: [...values],
    example: opts.example ?? values[0],
    description: `${opts.description ? `${opts.description}. ` : ''}Any letter case is accepted (normalised to the value shown).`,
  };
  return applyDecorators(
    ...(opts.required ? [ApiProperty(doc)] : [ApiPropertyOptional(doc), IsOptional()]),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? (canonical.get(value.toLowerCase()) ?? value) : value,
    ),
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name: 'enumFilter',
        target: target.constructor,
        propertyName: propertyName as string,
        validator: {
          validate: (v: unknown) => typeof v === 'string' && values.includes(v),
          defaultMessage: (a) => `${a?.property ?? 'value'} must be one of ${values.join(', ')} (any letter case)`,
        },
      }),
  );
}
