# Built inside the intranet from a mirrored python:3.11-slim and the intranet PyPI mirror.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/portal/app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --system portal && mkdir -p /srv/portal/media && chown portal /srv/portal/media
USER portal
EXPOSE 8000
