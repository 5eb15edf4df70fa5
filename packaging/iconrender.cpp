// parlab-iconrender: renders the SVG application icon to the PNG sizes that icon themes and AppStream ask for,
// through QtSvg, the renderer the window itself uses, so the build needs no other SVG tool.
// Usage: parlab-iconrender ICON.svg SIZE OUTPUT.png

#include <QImage>
#include <QPainter>
#include <QSvgRenderer>
#include <cstdio>

int main(int argc, char* argv[])
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: parlab-iconrender ICON.svg SIZE OUTPUT.png\n");
        return 2;
    }
    QSvgRenderer renderer(QString::fromLocal8Bit(argv[1]));
    if (!renderer.isValid()) {
        std::fprintf(stderr, "parlab-iconrender: %s is not a valid SVG file\n", argv[1]);
        return 1;
    }
    bool ok = false;
    const int size = QByteArray(argv[2]).toInt(&ok);
    if (!ok || size < 1 || size > 4096) {
        std::fprintf(stderr, "parlab-iconrender: size '%s' is not a number of pixels from 1 to 4096\n", argv[2]);
        return 2;
    }
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    renderer.render(&painter);
    painter.end();
    if (!image.save(QString::fromLocal8Bit(argv[3]), "PNG")) {
        std::fprintf(stderr, "parlab-iconrender: could not write %s\n", argv[3]);
        return 1;
    }
    return 0;
}
