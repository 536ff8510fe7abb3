# string building: many small strings joined once, plus repeated `+` concatenation
def main():
    parts = []
    for i in range(0, 300000):
        parts.append(str(i) + ",")
    joined = "".join(parts)
    s = ""
    for i in range(0, 20000):
        s = s + str(i % 10)
    print(len(joined), len(s))


main()
