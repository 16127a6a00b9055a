"""Task routes: create, read, list, replace, update and delete."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status

from ..errors import BAD_BODY
from ..models import MAX_ID
from ..schemas import ErrorResponse, TaskCreate, TaskPage, TaskQuery, TaskRead, TaskUpdate
from .deps import TaskRepositoryDep

router = APIRouter(prefix="/tasks", tags=["tasks"])

TaskId = Annotated[int, Path(ge=1, le=MAX_ID, description="The task's id.")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"model": ErrorResponse, "description": "No such task."}
}


def task_not_found(task_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Task {task_id} not found")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_description="The created task; its URL is in the Location header.",
    responses=BAD_BODY,
)
def create_task(
    data: TaskCreate, tasks: TaskRepositoryDep, request: Request, response: Response
) -> TaskRead:
    task = tasks.create(data)
    response.headers["Location"] = str(request.url_for("get_task", task_id=task.id))
    return TaskRead.model_validate(task)


@router.get("")
def list_tasks(query: Annotated[TaskQuery, Query()], tasks: TaskRepositoryDep) -> TaskPage:
    rows, total = tasks.page(query)
    return TaskPage.model_validate(
        {"items": rows, "total": total, "skip": query.skip, "limit": query.limit},
        from_attributes=True,
    )


@router.get("/{task_id}", responses=NOT_FOUND)
def get_task(task_id: TaskId, tasks: TaskRepositoryDep) -> TaskRead:
    row = tasks.get(task_id)
    if row is None:
        raise task_not_found(task_id)
    return TaskRead.model_validate(row)


@router.put("/{task_id}", responses={**NOT_FOUND, **BAD_BODY})
def replace_task(task_id: TaskId, data: TaskCreate, tasks: TaskRepositoryDep) -> TaskRead:
    task = tasks.replace(task_id, data)
    if task is None:
        raise task_not_found(task_id)
    return TaskRead.model_validate(task)


@router.patch("/{task_id}", responses={**NOT_FOUND, **BAD_BODY})
def update_task(task_id: TaskId, data: TaskUpdate, tasks: TaskRepositoryDep) -> TaskRead:
    task = tasks.update(task_id, data)
    if task is None:
        raise task_not_found(task_id)
    return TaskRead.model_validate(task)


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_task(task_id: TaskId, tasks: TaskRepositoryDep) -> None:
    if not tasks.delete(task_id):
        raise task_not_found(task_id)
