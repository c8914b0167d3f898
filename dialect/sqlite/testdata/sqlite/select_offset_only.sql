SELECT "id", "name", "age", "email" FROM "owner" LIMIT -1 OFFSET 5
