# nested counting loops: loop overhead and integer arithmetic
def main():
    total = 0
    for i in range(0, 4000):
        for j in range(0, 3000):
            total = total + (i * j) % 7
    print(total)


main()
