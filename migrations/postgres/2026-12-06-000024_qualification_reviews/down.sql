DROP TABLE qualification_conclusions;
DROP TABLE qualification_findings;
