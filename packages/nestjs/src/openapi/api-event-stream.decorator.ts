import { Type, applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse } from '@nestjs/swagger';

/** One kind of event a stream sends: the class of its `data`, and when it comes. */
export interface StreamEvent {
  data: Type;
  about: string;
}

/**
 * Documents a `200 text/event-stream` answer: the events it sends, each with its `data` schema (added to the
 * document's schemas), in the description, since OpenAPI 3.0 has no way to type the items of a stream.
 */
export function ApiEventStream(events: Record<string, StreamEvent>, example: string): MethodDecorator {
  const rows = Object.entries(events).map(([name, { data, about }]) => `| \`${name}\` | \`${data.name}\` | ${about} |`);
  const description = [
    'A `text/event-stream`: `event: <name>`, `data: <one line of JSON>`. An idle stream gets a comment line every 15 s, which keeps proxies from closing it.',
    '',
    '| Event | `data` schema | When |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
  return applyDecorators(
    ApiExtraModels(...Object.values(events).map(({ data }) => data)),
    ApiOkResponse({
      description,
      content: { 'text/event-stream': { schema: { type: 'string' }, example } },
    }),
  );
}
