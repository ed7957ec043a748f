DROP TABLE draw_replacements;
DROP TABLE committee_members;
DROP TABLE draws;
DROP TABLE experts;
