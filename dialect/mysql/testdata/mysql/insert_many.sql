INSERT INTO `owner` (`name`, `age`, `email`) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?) RETURNING `id`
  -- args: "Ann" 30 NULL "Bob" 0 "bob@example.com" "Cy" 0 NULL
