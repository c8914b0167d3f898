SELECT @@auto_increment_increment
INSERT INTO `counter` () VALUES (), (), ()
