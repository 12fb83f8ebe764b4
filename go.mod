module github.com/sekimori/sekimori

go 1.26
