INSERT INTO `counter` () VALUES (), (), ()
