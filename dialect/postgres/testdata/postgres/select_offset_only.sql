SELECT "id", "name", "age", "email" FROM "owner" OFFSET 5
