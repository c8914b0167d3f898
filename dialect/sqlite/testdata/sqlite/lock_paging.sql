BEGIN
DELETE FROM "owner" WHERE 0
SELECT "id", "name", "age", "email" FROM "owner" ORDER BY "age" DESC LIMIT 10 OFFSET 20
COMMIT
