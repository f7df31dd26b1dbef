import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdOutput, IdPath } from '../../platform/http/ids.js';
import { PageQuery } from '../../platform/http/paging.js';
import { CONTENT_MAX, TITLE_MAX } from './announcement.service.js';

const Pubdate = Type.String({ description: 'local time, YYYY-MM-DDTHH:mm:ss' });

export const AnnouncementListQuery = Type.Object(PageQuery);

export const AnnouncementListResponse = okSchema(
  Type.Object({
    total_count: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
    results: Type.Array(Type.Object({ id: IdOutput, title: Type.String(), pubdate: Pubdate })),
  }),
);

export const AnnouncementParams = Type.Object({ target: IdPath });

export const AnnouncementResponse = okSchema(
  Type.Object({
    id: IdOutput,
    title: Type.String(),
    content: Type.String({ description: 'HTML or plain text' }),
    pubdate: Pubdate,
  }),
);

export const PublishAnnouncementBody = Type.Object({
  title: Type.String({ minLength: 1, maxLength: TITLE_MAX }),
  content: Type.String({ minLength: 1, maxLength: CONTENT_MAX, description: 'plain text or HTML, stored as given' }),
});

export const PublishedAnnouncementResponse = okSchema(
  Type.Object({ id: IdOutput, title: Type.String(), pubdate: Pubdate }),
);
