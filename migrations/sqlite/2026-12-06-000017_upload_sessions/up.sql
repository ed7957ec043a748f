-- An upload session is used by one request at a time, on whichever node of
-- the platform it arrives: the request's claim is this row's, taken with a
-- conditional update and released at the end of the request; a claim whose
-- node died lapses at claimed_until (renewed while the request runs).
-- received_bytes is the offset committed by the last request to end.
ALTER TABLE bid_uploads ADD COLUMN claimed_by TEXT;
ALTER TABLE bid_uploads ADD COLUMN claimed_until TIMESTAMP;
