FROM ruby:3.3-slim
ENV BUNDLE_FROZEN=true
WORKDIR /app
COPY . .
RUN bundle install
CMD ["ruby", "app.rb"]
