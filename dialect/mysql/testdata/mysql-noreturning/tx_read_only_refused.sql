BEGIN READ ONLY
ROLLBACK
-- error: orm: a write reached a read-only server or transaction: Flush inside a ReadOnly transaction has changes to write (insert Owner); nothing was written
