-- The generation of each change sequence number: a random id given when
-- the number is taken. A device's cursor names it, so a server restored
-- from a backup (or failed over to a standby that lagged) that hands the
-- same number out again can tell, and starts a new epoch by itself.
CREATE TABLE generations (
    seq BIGINT PRIMARY KEY,
    generation TEXT NOT NULL
);
