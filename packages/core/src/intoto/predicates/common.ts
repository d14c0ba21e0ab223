import { z } from 'zod';

/** RFC 3339 timestamps as protobuf Timestamp JSON writes them (UTC `Z` or an offset). */
export const TimestampSchema = z.iso.datetime({ offset: true });

/** A protobuf Struct in JSON: any JSON object. */
export const JsonObjectSchema = z.record(z.string(), z.unknown());
