SELECT "id", "name", "age", "email" FROM "owner" WHERE (age BETWEEN $1 AND $2)
  -- args: 18 65
